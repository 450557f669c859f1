import type { Role } from './roles';

/** Caller numbers are personal data: keep the first 3 and last 4 digits, mask the rest. */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return phone ?? null;
  const digits = phone.replace(/\s+/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  if (digits.length <= 7) return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/**
 * Caller names are personal data too: the first character stays (张** as on a police bulletin),
 * every other character becomes one `*`, so the length shows but nothing else does.
 */
export function maskName(name: string | null | undefined): string | null {
  if (!name) return name ?? null;
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*'.repeat(chars.length);
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** Roles that talk to callers or act on their details see the full number and name. */
export function seesCallerNumber(roles: readonly Role[]): boolean {
  return roles.some((r) => r === 'calltaker' || r === 'dispatcher' || r === 'admin');
}
