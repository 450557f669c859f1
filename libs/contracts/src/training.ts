import { z } from 'zod';

/** `PUT /api/v1/training/simulation`: the 训练模拟 switches a dispatcher or commander sets. */
export const trainingSimulationRequestSchema = z
  .object({
    autoDispatch: z
      .boolean()
      .describe('the training simulator dispatches incidents left new and closes resolved ones'),
  })
  .strict();
export type TrainingSimulationRequest = z.infer<typeof trainingSimulationRequestSchema>;

/** The 训练模拟 switches in force (`GET`/`PUT /api/v1/training/simulation`, `training.updated`). */
export const trainingSimulationViewSchema = z.object({
  autoDispatch: z.boolean().describe('off unless a dispatcher or commander switched it on'),
  demo: z.boolean().describe('whether this system runs the demo city (DEMO=1) with its simulator'),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type TrainingSimulationView = z.infer<typeof trainingSimulationViewSchema>;
