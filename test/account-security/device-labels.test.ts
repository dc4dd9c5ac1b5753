import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { rememberDevice } from '../../src/security/remembered-devices.ts';
import { personWithTotp, securityUrl } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
before(async () => {
  t = await startTestGatehouse({}, { clock });
});
after(async () => {
  await t.close();
});

test('remembered devices read "Chrome on Linux", "Safari on iOS", never a User-Agent string', async () => {
  const p = await personWithTotp(t, clock, 'devices-labels@example.com');
  const agents = {
    'Chrome on Linux': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Safari on iOS': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    'Edge on Windows': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  };
  for (const ua of Object.values(agents)) await rememberDevice(t.gh.deps, p.user.id, ua, '198.51.100.4');
  const page = await p.ua.go(securityUrl(t));
  const devices = [...page.body.matchAll(/<li data-device="[^"]+"><strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
  assert.deepEqual([...devices].sort(), Object.keys(agents).sort());
  assert.ok(!page.body.includes('Mozilla/5.0'), 'no User-Agent string on the page');
});
