import { alternate, runLoad, type RoundResult } from '../lib/rounds.ts';
import { errorRows, storeRow } from '../lib/rows.ts';
import { anatomy, loopAnatomy, pairedQuartiles, serverCpuOneAtATime } from '../lib/anatomy.ts';
import { signIn, type PushPage, type RelyingParty, type Trace } from '../lib/oidc.ts';
import { newDevices, Phone, PhonePool } from '../lib/push-phone.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI, type PushFixture } from '../lib/fixtures.ts';
import { fmt, verdict, type Scenario } from '../lib/scenario.ts';
import { SECOND_FACTOR_BUDGET_MS } from './totp-sign-in.ts';

/**
 * The phone's part of one push approval, while the browser's held Continue waits (sent by signIn, as
 * static/push-wait.js sends it): the phone takes the request from its wait stream when it holds one
 * open (as the terminal authenticator and an open web app do), or else fetches it (`GET /challenges`,
 * signed, as an app woken by a Web Push notification does), and posts its signed approval with the
 * number the page shows; the held Continue then answers with where the browser goes (the sign-in done).
 */
export async function approveOnPhone(phone: Phone, page: PushPage): Promise<void> {
  await page.trace?.(phone.listening ? 'phone: the request on its wait stream' : 'phone: signed GET /challenges');
  const challenge = phone.listening ? await phone.next() : (await phone.pending())[0];
  if (!challenge) throw new Error('the phone found no pending request');
  // The answer's step includes the held Continue's completion (the sign-in's end, in the browser's request).
  await page.trace?.('phone: signed POST /challenges/:id/answer (+ the held Continue completes)');
  await phone.approve(challenge.id, page.number);
  await page.held;
}

/**
 * Password + push approval sign-ins through the code flow, at an app whose policy is Required:
 * /authorize, email, password, the challenge page with push picked, its held Continue, the request
 * on the phone's wait stream and its signed approval, the held Continue's answer, the token exchange. Beside it, in the
 * same alternating rounds, the password-only sign-in (so the CPU push adds is a difference of two
 * measurements under the same conditions), argon2id verify and ES256 verify (the push path's own
 * cryptography: one ES256 verify, the signed answer; a fetching phone adds one for its signed GET).
 * One at a time, the same sign-in with a phone that fetches the request is measured beside it.
 */
/**
 * Sign-ins of each kind timed one at a time, beside the rounds. The pairs' differences spread over
 * about 5 ms on the development machine (argon2id alone moves by a millisecond or more), so the
 * median of 30 moved by about a millisecond from run to run; 90 narrow that to about half.
 */
const ONE_AT_A_TIME = 90;
/** Sign-ins of each kind in the event-loop anatomy (BENCH_ANATOMY=1). */
const LOOP_ANATOMY = 40;

export const pushSignIn: Scenario = {
  id: 'push-sign-in',
  title: 'Password + push approval sign-in (authorization code + PKCE)',
  async run(ctx) {
    const { vus, seconds, rounds } = ctx.options;
    const password = await ctx.passwordFixture();
    const es256 = ctx.es256();
    // 5 requests per person per 15 minutes: accounts for about 150 push sign-ins a second over every
    // round (the warm-up included), the sign-ins one at a time and the anatomies' 20 and 40.
    const count = Math.max(vus * 4, Math.ceil(((rounds + 1) * seconds * 150 + ONE_AT_A_TIME + 20 + LOOP_ANATOMY) / 5));
    // Phones that fetch the request instead (one at a time only): 5 sign-ins each.
    const fetchingCount = Math.ceil(ONE_AT_A_TIME / 5) + 1;
    const devices = await newDevices(ctx.gatehouse.issuer, count + fetchingCount);
    const seeded = await ctx.gatehouse.child.call<PushFixture>('seed', { module: 'push-users', args: { keys: devices.map((d) => d.publicJwk), prefix: 'push', password: BENCH_PASSWORD, redirectUri: BENCH_REDIRECT_URI } });
    const phones = seeded.users.map((u, i) => {
      devices[i]!.deviceId = u.deviceId;
      return new Phone(devices[i]!, u.email);
    });
    const fetching = new PhonePool(phones.splice(count));
    const pool = new PhonePool(phones);
    // Each phone of the main pool holds its wait stream open for the whole scenario (opened untimed).
    for (const phone of phones) await phone.listen();
    const pushRp: RelyingParty = { issuer: ctx.gatehouse.issuer, clientId: seeded.clientId, clientSecret: seeded.clientSecret, redirectUri: BENCH_REDIRECT_URI };
    const passwordRp: RelyingParty = { ...pushRp, clientId: password.clientId, clientSecret: password.clientSecret };
    const withPush = async (trace?: Trace, from = pool) => {
      const { phone, release } = from.take();
      try {
        await signIn(pushRp, { email: phone.email, password: BENCH_PASSWORD, push: (page) => approveOnPhone(phone, page) }, {}, trace);
      } finally {
        release();
      }
    };
    const turn = new Array<number>(vus).fill(0);
    const account = (vu: number) => ({ email: password.emails[(vu + vus * turn[vu]!++) % password.emails.length]!, password: BENCH_PASSWORD });

    const s = await alternate(
      {
        'password + push': () => runLoad(ctx.gatehouse.child, vus, seconds, () => withPush()),
        'password only': () => runLoad(ctx.gatehouse.child, vus, seconds, async (vu) => void (await signIn(passwordRp, account(vu)))),
        'argon2id verify': () => ctx.argon2.call<RoundResult>('run', { seconds, concurrency: vus }),
        'ES256 verify': () => es256.call<RoundResult>('run', { seconds, concurrency: vus }),
      },
      rounds,
      ctx.log,
    );
    // The same two sign-ins one at a time, in turn: the server's CPU of each, without a load around it.
    const { medians: single, samples } = await serverCpuOneAtATime(ctx.gatehouse.child, ONE_AT_A_TIME, {
      push: () => withPush(),
      pushFetching: () => withPush(undefined, fetching),
      password: async () => void (await signIn(passwordRp, account(0))),
    });
    ctx.log(`one at a time: password + push ${fmt.ms(single.push)} (phone fetching: ${fmt.ms(single.pushFetching)}), password only ${fmt.ms(single.password)} server CPU (medians of ${ONE_AT_A_TIME})`);
    // The pairs' spread: a difference of two medians moves with the machine (argon2id alone varies by a millisecond or more).
    const spread = pairedQuartiles(samples.push, samples.password);
    if (ctx.options.anatomy) {
      ctx.report(`### One password + push sign-in, step by step (Gatehouse, 20 sequential sign-ins; the stream and the phone's requests are steps of their own)\n\n${await anatomy(ctx.gatehouse.child, 20, (trace) => withPush(trace))}`);
      ctx.report(
        `### The same two sign-ins by the event loop's time between request boundaries (Gatehouse, ${LOOP_ANATOMY} of each in turn; argon2id's pool threads not included)\n\n` +
          (await loopAnatomy(ctx.gatehouse.child, LOOP_ANATOMY, { 'password + push': () => withPush(), 'password only': async () => void (await signIn(passwordRp, account(0))) })),
      );
    }
    for (const phone of phones) phone.stopListening();
    const k = s['password + push'];
    const p = s['password only'];
    const a = s['argon2id verify'];
    const e = s['ES256 verify'];
    const added = k.serverCpuMsPerOp - p.serverCpuMsPerOp;
    return [
      {
        measurement: 'Password + push sign-ins, code flow + PKCE (Gatehouse, Required app)',
        value: fmt.rate(k.perSecond),
        reference: `argon2id verifies ${fmt.rate(a.perSecond)}`,
        ratio: fmt.ratio(k.perSecond / a.perSecond),
        target: 'context',
        result: 'info',
      },
      {
        measurement: "CPU the push approval adds per sign-in (challenge page + held Continue + request on the phone's wait stream + signed answer)",
        value: fmt.ms(added),
        reference: `password-only ${fmt.ms(p.serverCpuMsPerOp)} CPU (${fmt.rate(p.perSecond)}), same rounds; crypto: 1 ES256 verify = ${fmt.ms(e.serverCpuMsPerOp)}`,
        ratio: fmt.ratio(added / e.serverCpuMsPerOp),
        target: `≤ ${SECOND_FACTOR_BUDGET_MS} ms`,
        result: k.errors ? 'FAIL' : verdict(added <= SECOND_FACTOR_BUDGET_MS),
      },
      {
        measurement: 'CPU the push approval adds per sign-in, one sign-in at a time (the same steps)',
        value: fmt.ms(single.push - single.password),
        reference: `password + push ${fmt.ms(single.push)}, password only ${fmt.ms(single.password)} server CPU: medians of ${ONE_AT_A_TIME} each, in turn; the pairs' differences: middle half ${fmt.ms(spread.q1)} to ${fmt.ms(spread.q3)}`,
        ratio: fmt.ratio((single.push - single.password) / e.serverCpuMsPerOp),
        target: `≤ ${SECOND_FACTOR_BUDGET_MS} ms`,
        result: verdict(single.push - single.password <= SECOND_FACTOR_BUDGET_MS),
      },
      {
        measurement: 'The same, one at a time, with a phone that fetches the request (signed GET /challenges, as after a Web Push notification)',
        value: fmt.ms(single.pushFetching - single.password),
        reference: `password + push ${fmt.ms(single.pushFetching)}, password only ${fmt.ms(single.password)}; crypto: 2 ES256 verifies = ${fmt.ms(2 * e.serverCpuMsPerOp)}`,
        ratio: fmt.ratio((single.pushFetching - single.password) / (2 * e.serverCpuMsPerOp)),
        target: `≤ ${SECOND_FACTOR_BUDGET_MS} ms`,
        result: verdict(single.pushFetching - single.password <= SECOND_FACTOR_BUDGET_MS),
      },
      storeRow('password + push sign-in', k),
      ...errorRows('sign-in', { 'password + push': k, 'password only': p }),
    ];
  },
};
