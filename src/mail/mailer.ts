import nodemailer from 'nodemailer';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Delivers through SMTP (`GATEHOUSE_SMTP_URL`). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

/**
 * Development delivery: mail is kept in the store's outbox (readable at /dev/outbox) and printed
 * to the console, so a developer can follow verification and reset links without an SMTP server.
 */
export function outboxMailer(db: Db, clock: Clock, log: (line: string) => void = console.log): Mailer {
  return {
    async send(mail) {
      await db.insertInto('mail_outbox').values({ to_address: mail.to, subject: mail.subject, text_body: mail.text, created_at: clock.now() }).execute();
      log(`[mail] to ${mail.to}: ${mail.subject}\n${mail.text.replace(/^/gm, '  ')}`);
    },
  };
}
