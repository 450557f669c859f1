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
