import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { translator } from '../../src/i18n/index.ts';
import { escapeHtml } from '../../src/http/html.ts';

const t = translator();

test('without SMTP, mail goes to /dev/outbox, newest first, with clickable links', async () => {
  const gh = await startTestGatehouse({ GATEHOUSE_SMTP_URL: '' });
  try {
    await gh.createUser('dev@example.com', 'the old and trusted passphrase');
    const ua = new UserAgent();
    await ua.go(gh.issuer + '/signup');
    await ua.submit('/signup', { email: 'new@example.com', password: 'a long walk on the quiet beach' });
    await ua.go(gh.issuer + '/reset');
    await ua.submit('/reset', { email: 'dev@example.com' });

    // The reset mail is handed over without the request waiting for it.
    let page = await ua.go(gh.issuer + '/dev/outbox');
    for (let i = 0; i < 50 && !page.body.includes(t('reset.mail_subject')); i++) {
      await new Promise((r) => setTimeout(r, 20));
      page = await ua.go(gh.issuer + '/dev/outbox');
    }
    assert.equal(page.status, 200);
    assert.deepEqual(gh.smtp.mails, [], 'nothing went to SMTP');
    const resetAt = page.body.indexOf(`<h2>${escapeHtml(t('reset.mail_subject'))}</h2>`);
    const verifyAt = page.body.indexOf(`<h2>${escapeHtml(t('verify.mail_subject'))}</h2>`);
    assert.ok(resetAt > 0 && verifyAt > resetAt, 'newest first');
    assert.ok(page.body.includes('<dd>dev@example.com</dd>'));

    const link = /<a href="([^"]*\/reset\/confirm\?token=[^"]*)">/.exec(page.body)?.[1];
    assert.ok(link, 'the reset link is clickable');
    const form = await ua.go(link.replace(/&amp;/g, '&'));
    assert.equal(form.status, 200);
    assert.ok(form.body.includes(escapeHtml(t('reset.choose_title'))));
  } finally {
    await gh.close();
  }
});

test('mail bodies are shown as text: no markup, only http(s) links', async () => {
  const gh = await startTestGatehouse({ GATEHOUSE_SMTP_URL: '' });
  try {
    await gh.gh.deps.db
      .insertInto('mail_outbox')
      .values({ to_address: '<b>x</b>@example.com', subject: '<script>alert(1)</script>', text_body: 'javascript:alert(1) http://ok.example/a?b=1&c="><img src=x onerror=alert(1)>', created_at: Date.now() })
      .execute();
    const page = await new UserAgent().go(gh.issuer + '/dev/outbox');
    assert.ok(!page.body.includes('<script>alert'));
    assert.ok(!page.body.includes('<img'));
    assert.ok(!page.body.includes('<b>x</b>'));
    assert.ok(!page.body.includes('href="javascript:'));
    assert.ok(page.body.includes('<a href="http://ok.example/a?b=1&amp;c=&quot;&gt;&lt;img">'));
  } finally {
    await gh.close();
  }
});

test('/dev/outbox does not exist in production', async () => {
  // Production needs a relay (the harness's SMTP server); the outbox page must not exist anyway.
  const gh = await startTestGatehouse({ NODE_ENV: 'production' });
  try {
    const page = await new UserAgent().go(gh.issuer + '/dev/outbox');
    assert.equal(page.status, 404);
  } finally {
    await gh.close();
  }
});
