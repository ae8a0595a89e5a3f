/**
 * Encryption at rest for values the host must send on later but an owner never sees again:
 * the secret headers of HTTP tools. They cannot be hashed (the host needs them back), so they
 * are sealed with AES-256-GCM under a key derived from the host secret. Changing the host
 * secret makes every sealed value unreadable: the owner then has to enter the secrets again.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const PREFIX = 'enc:v1:'
const IV_BYTES = 12
const TAG_BYTES = 16

export type SecretBox = {
  /** `enc:v1:<iv>:<tag>:<ciphertext>`, base64url; a fresh random IV every time. */
  seal(plaintext: string): string
  /** The plaintext, or a SecretBoxError when the value is malformed or was sealed under another key. */
  open(sealed: string): string
}

/** Never carries the value it failed on. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError'
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX)
}

export function createSecretBox(hostSecret: string): SecretBox {
  if (hostSecret.length === 0) throw new SecretBoxError('the host secret is empty')
  const key = Buffer.from(hkdfSync('sha256', hostSecret, Buffer.alloc(0), 'porch header secrets', 32))

  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return `${PREFIX}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`
    },
    open(sealed) {
      const parts = isSealed(sealed) ? sealed.slice(PREFIX.length).split(':') : []
      const [iv, tag, ciphertext] = parts.map((part) => Buffer.from(part, 'base64url'))
      if (parts.length !== 3 || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) {
        throw new SecretBoxError('not a sealed secret (expected enc:v1:<iv>:<tag>:<ciphertext>)')
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
        decipher.setAuthTag(tag)
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
      } catch {
        throw new SecretBoxError('the sealed secret cannot be opened: it was altered or sealed under another host secret')
      }
    },
  }
}
