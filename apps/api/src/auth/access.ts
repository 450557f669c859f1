import { SetMetadata } from '@nestjs/common';
import type { Role } from '@ringcad/domain';

export const ACCESS_KEY = 'ringcad:access';

export interface AccessRule {
  /** No token needed. */
  public?: boolean;
  /** User roles allowed (any console role when absent). */
  roles?: Role[];
  /** Unit terminals allowed too (the service checks it is their own unit). */
  terminal?: boolean;
}

/** Declares who may call a route; every route without it needs a signed-in user of any role. */
export const Access = (rule: AccessRule) => SetMetadata(ACCESS_KEY, rule);
export const Public = () => Access({ public: true });
