import { createHash } from 'node:crypto';

/**
 * SHA-256 of a text (UTF-8) in base64url: how Gatehouse stores a bearer value it must recognise
 * but never show again — email and enrollment-link tokens, device cookies' nonces, PKCE verifiers.
 * @example sha256Base64url('abc') // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 */
export const sha256Base64url = (text: string): string => createHash('sha256').update(text).digest('base64url');
