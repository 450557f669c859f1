export const ROLES = ['admin', 'calltaker', 'dispatcher', 'commander'] as const;
export type Role = (typeof ROLES)[number];
