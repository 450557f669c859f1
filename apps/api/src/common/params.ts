import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '@ringcad/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids are UUIDs; anything else is a 400 in our error shape, not a database error. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new DomainError('VALIDATION_FAILED', `not a valid id: ${value}`);
    return value;
  }
}

export const uuidParam = new UuidParamPipe();

/** A path parameter that must match a contract schema (a code, a scheme id): else a 400. */
export function schemaParam(schema: { safeParse(v: unknown): { success: boolean } }) {
  return new (class implements PipeTransform<string, string> {
    transform(value: string): string {
      if (!schema.safeParse(value).success)
        throw new DomainError('VALIDATION_FAILED', `not a valid code: ${value}`);
      return value;
    }
  })();
}
