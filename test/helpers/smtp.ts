import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  text: string;
}

/** A real SMTP server in-process; Gatehouse delivers to it through nodemailer like to any relay. */
export async function startSmtp(): Promise<{ url: string; mails: ReceivedMail[]; waitFor(pred: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
        const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
        let text = rest.join('\n\n');
        // The body as the person reads it: transfer encoding undone, bytes read as UTF-8.
        if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) {
          const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
          text = Buffer.from(bytes, 'latin1').toString('utf8');
        } else if (/Content-Transfer-Encoding: base64/i.test(head)) {
          text = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
        }
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, subject, text });
        waiters.splice(0).forEach((w) => w());
        callback();
      });
    },
  });
  // Port 0: the system picks a free port while binding it, so no other process can take it first.
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(pred, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('mail did not arrive');
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The first http(s) link in a mail body. */
export function linkIn(mail: ReceivedMail): string {
  const m = /https?:\/\/\S+/.exec(mail.text);
  if (!m) throw new Error(`no link in mail "${mail.subject}"`);
  return m[0];
}
