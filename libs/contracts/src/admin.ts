// 管理席 requests: ring schemes, jurisdiction edits and disposition edits.
import { z } from 'zod';
import { UNIT_KINDS } from '@ringcad/domain';
import { areaGeometrySchema, safeText, schemeIdSchema, uuidSchema } from './common';
import { ringSchemeViewSchema } from './responses/incidents';

const labelInput = z
  .object({ zh: safeText().trim().min(1).max(60), en: safeText().trim().min(1).max(80) })
  .strict();

const tierInput = z
  .object({
    sec: z.number().int().positive().max(86_400),
    label: labelInput,
    unitKinds: z.array(z.enum(UNIT_KINDS)).min(1).max(UNIT_KINDS.length).optional(),
    count: z.number().int().min(1).max(50).optional(),
    meaning: labelInput.optional(),
  })
  .strict();

const tiersInput = z
  .array(tierInput)
  .min(1)
  .max(6)
  .refine(
    (tiers) => tiers.every((t, i) => i === 0 || t.sec > tiers[i - 1].sec),
    'tier times (sec) must be strictly ascending',
  );

/** A custom ring scheme (处置圈方案): tiers in seconds, positive and strictly ascending. */
export const createRingSchemeSchema = z
  .object({
    id: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'lower-case letters, digits and -'),
    label: labelInput,
    tiers: tiersInput,
  })
  .strict();
export type CreateRingSchemeRequest = z.infer<typeof createRingSchemeSchema>;

export const updateRingSchemeSchema = createRingSchemeSchema.omit({ id: true });
export type UpdateRingSchemeRequest = z.infer<typeof updateRingSchemeSchema>;

export const adminRingSchemeViewSchema = ringSchemeViewSchema.extend({
  builtin: z.boolean().describe('a built-in scheme cannot be changed or deleted'),
});
export type AdminRingSchemeView = z.infer<typeof adminRingSchemeViewSchema>;

/** Rename, re-parent, reshape or re-scheme a jurisdiction; what is absent stays. */
export const updateJurisdictionSchema = z
  .object({
    name: safeText().trim().min(1).max(100).optional(),
    parentId: uuidSchema.nullable().optional(),
    boundary: areaGeometrySchema.optional(),
    schemeId: schemeIdSchema.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateJurisdictionRequest = z.infer<typeof updateJurisdictionSchema>;

/** Relabel, re-sort or disable a disposition (a built-in one too). */
export const updateDispositionSchema = z
  .object({
    label: labelInput.optional(),
    sort: z.number().int().min(0).max(10_000).optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateDispositionRequest = z.infer<typeof updateDispositionSchema>;
