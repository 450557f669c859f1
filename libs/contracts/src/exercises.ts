import { z } from 'zod';
import { SAFETY_INDEX_COMPONENTS } from '@ringcad/domain';
import { pointSchema, polygonSchema, safeText, uuidSchema } from './common';
import { categorySchema, prioritySchema } from './incidents';

// ── 演练: exercises ──

const injectSchema = z.object({
  atSec: z.number().int().min(0).max(86_400).describe('seconds after the exercise starts'),
  location: pointSchema,
  category: categorySchema,
  priority: prioritySchema,
});

/**
 * `POST /api/v1/exercises`: a scripted scenario (the incidents and when) or random incidents in a
 * window and an area (the jurisdiction's boundary, or a polygon inside it). Every incident is
 * filed as an exercise incident of this exercise when its time comes.
 */
export const startExerciseSchema = z
  .object({
    name: safeText().trim().min(1).max(100),
    jurisdictionId: uuidSchema
      .optional()
      .describe('whose exercise it is (the random area unless `random.polygon`); none = city-wide'),
    scenario: z
      .object({ incidents: z.array(injectSchema).min(1).max(500) })
      .strict()
      .optional(),
    random: z
      .object({
        count: z.number().int().min(1).max(500),
        windowMin: z
          .number()
          .min(1)
          .max(24 * 60),
        polygon: polygonSchema.optional(),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((v) => (v.scenario ? 1 : 0) + (v.random ? 1 : 0) === 1, {
    message: 'give either scenario or random',
    path: ['scenario'],
  })
  .refine((v) => !v.random || v.random.polygon || v.jurisdictionId, {
    message: 'random incidents need an area: jurisdictionId or random.polygon',
    path: ['random'],
  });
export type StartExerciseRequest = z.infer<typeof startExerciseSchema>;

const districtScoreSchema = z.object({
  districtId: z.string().nullable(),
  districtName: z.string().nullable(),
  incidents: z.number(),
  dispatched: z.number(),
  arrived: z.number(),
  ringMet: z.number().describe('incidents reached whose response met a tier of their scheme'),
  ringMetPct: z.number().nullable().describe('ringMet / arrived, %'),
  tiers: z.array(
    z.object({
      schemeId: z.string(),
      tier: z.number(),
      sec: z.number(),
      met: z.number(),
      of: z.number().describe('dispatched incidents held to this scheme'),
      pct: z.number(),
    }),
  ),
  arriveP50Sec: z.number().nullable(),
  arriveP90Sec: z.number().nullable(),
});

export const exerciseViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['running', 'stopped', 'finished']),
  jurisdictionId: z.string().nullable(),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  createdBy: z.string(),
  planned: z.number().describe('incidents the exercise files in all'),
  filed: z.number().describe('incidents filed so far'),
  failed: z.number().describe('injects that could not be filed (see `errors`)'),
  errors: z.array(z.object({ seq: z.number(), error: z.string() })),
  score: z
    .array(districtScoreSchema)
    .describe("rings met per district, this exercise's incidents only"),
});
export type ExerciseView = z.infer<typeof exerciseViewSchema>;

// ── 平安指数 ──

export const safetyIndexQuerySchema = z.object({
  week: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
    .optional()
    .describe('any day of the week (Monday–Sunday, China time); default: this week'),
  format: z.enum(['json', 'csv']).optional(),
});
export type SafetyIndexQuery = z.infer<typeof safetyIndexQuerySchema>;

const weightValue = z.number().min(0).max(100);
export const safetyIndexWeightsSchema = z
  .object(
    Object.fromEntries(SAFETY_INDEX_COMPONENTS.map((c) => [c, weightValue.optional()])) as Record<
      (typeof SAFETY_INDEX_COMPONENTS)[number],
      z.ZodOptional<typeof weightValue>
    >,
  )
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one weight' });
export type SafetyIndexWeightsRequest = z.infer<typeof safetyIndexWeightsSchema>;

const componentSchema = z.enum(SAFETY_INDEX_COMPONENTS);
export const safetyIndexViewSchema = z.object({
  week: z.object({ from: z.string(), to: z.string(), label: z.string() }),
  previousWeek: z.object({ from: z.string(), to: z.string(), label: z.string() }),
  components: z.array(
    z.object({
      component: componentSchema,
      weight: z.number().describe('as set (by an admin) or the default'),
      effectiveWeight: z.number().describe('0 when the part is not available'),
      available: z.boolean(),
      note: z
        .string()
        .nullable()
        .describe('why a part is not available, or where a sampled part comes from'),
      rule: z.object({ zh: z.string(), en: z.string() }),
    }),
  ),
  districts: z.array(
    z.object({
      districtId: z.string(),
      name: z.string(),
      rank: z.number().nullable(),
      score: z.number().nullable(),
      parts: z.array(
        z.object({
          component: componentSchema,
          raw: z.number().nullable(),
          score: z.number().nullable(),
          weightUsed: z.number(),
          samples: z
            .number()
            .int()
            .nullable()
            .optional()
            .describe('the hourly samples behind a sampled part (见警率, perimeter readiness)'),
        }),
      ),
      previous: z.object({ rank: z.number().nullable(), score: z.number().nullable() }),
      trend: z.number().nullable().describe('score − previous week’s score'),
    }),
  ),
  weightsUpdatedAt: z.string().nullable(),
  weightsUpdatedBy: z.string().nullable(),
});
export type SafetyIndexView = z.infer<typeof safetyIndexViewSchema>;
