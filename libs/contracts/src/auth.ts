import { z } from 'zod';
import { ROLES } from '@ringcad/domain';
import { safeText, uuidSchema } from './common';

export const roleSchema = z.enum(ROLES);

export const loginSchema = z.object({
  username: safeText().min(1).max(64),
  password: safeText().min(1).max(256),
});
export type LoginRequest = z.infer<typeof loginSchema>;

export const createUserSchema = z.object({
  username: safeText()
    .min(2)
    .max(64)
    .regex(/^[A-Za-z0-9_.\-]+$/, 'letters, digits, _ . - only'),
  password: safeText().min(8, 'at least 8 characters').max(256),
  roles: z.array(roleSchema).min(1),
  jurisdictionId: uuidSchema.nullish(),
});
export type CreateUserRequest = z.infer<typeof createUserSchema>;

/** The admin changes an account's roles or jurisdiction scope (what is absent stays). */
export const updateUserSchema = z
  .object({
    roles: z.array(roleSchema).min(1).optional(),
    jurisdictionId: uuidSchema.nullable().optional(),
  })
  .refine((v) => v.roles !== undefined || v.jurisdictionId !== undefined, 'nothing to change');
export type UpdateUserRequest = z.infer<typeof updateUserSchema>;

/** The admin sets a new password; the account's sessions end. */
export const resetPasswordSchema = z.object({
  password: safeText().min(8, 'at least 8 characters').max(256),
});
