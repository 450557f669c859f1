import { z } from 'zod';
import { ROLES } from '@ringcad/domain';

export const userViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  roles: z.array(z.enum(ROLES)),
  jurisdictionId: z.string().nullable().optional(),
  /** In the admin's user list: the account is disabled (cannot log in, sessions revoked). */
  disabled: z.boolean().optional(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const loginResponseSchema = z.object({ accessToken: z.string(), user: userViewSchema });
export type LoginResponse = z.infer<typeof loginResponseSchema>;
