import type { ImportIssue, ImportIssueCode } from '@ringcad/contracts';

/** One refusal reason of an import row: a code, the field it concerns and its parameters. */
export const issue = (
  code: ImportIssueCode,
  field: string,
  params: Omit<ImportIssue, 'code' | 'field'> = {},
): ImportIssue => ({ code, field, ...params });

const or = (xs: string[] | undefined) => (xs ?? []).join(' or ');

/** The English sentence of an issue: the row's `errors` text older clients read. */
export function issueText(i: ImportIssue): string {
  const words: Record<ImportIssueCode, () => string> = {
    IMPORT_FIELD_MISSING: () => 'missing',
    IMPORT_TOO_LONG: () => `longer than ${i.count} characters`,
    IMPORT_DUPLICATE_ROW: () => `${i.value} is already row ${i.row}`,
    IMPORT_BAD_KIND: () => `"${i.value}" is not one of ${(i.expected ?? []).join(', ')}`,
    IMPORT_UNKNOWN_SCHEME: () => `unknown ring scheme ${i.value}`,
    IMPORT_BAD_GEOMETRY_TYPE: () => `a ${i.value}, not a ${or(i.expected)}`,
    IMPORT_BAD_COORDINATES: () => i.detail ?? 'not a longitude/latitude pair',
    IMPORT_OUTSIDE_AREA: () => `${i.value} is outside the service area ${i.detail}`,
    IMPORT_INVALID_POLYGON: () => `not a valid polygon: ${i.detail}`,
    IMPORT_AMBIGUOUS_NAME: () => `${i.count} jurisdictions are named ${i.value}`,
    IMPORT_NO_SUCH_JURISDICTION: () => `no jurisdiction named ${i.value}`,
    IMPORT_NOT_A_NUMBER: () => `"${i.value}" is not a number`,
    IMPORT_INVALID_VALUE: () => i.detail ?? 'invalid',
    IMPORT_UNKNOWN_ROLE: () => `${i.value} (roles are ${(i.expected ?? []).join(', ')})`,
    IMPORT_OWN_ACCOUNT: () => 'your own account is not changed by an import',
    IMPORT_BAD_RECORD: () => `${i.value} fields where the header has ${i.count}`,
    IMPORT_NAME_NOT_UNIQUE: () =>
      `${i.count} records are named ${i.value}; which to update is unclear`,
  };
  return `${i.field}: ${words[i.code]()}`;
}
