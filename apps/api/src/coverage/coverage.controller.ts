import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { CoverageService, parseInput } from '@ringcad/core';
import { ApiRoute } from '../common/api-route';
import { coverageViewSchema, moveUpSchema } from '@ringcad/contracts';
import { Access } from '../auth/access';

const coverageQuery = z.object({ scheme: z.string().max(40).default('1-3-8') });
const moveUpsQuery = coverageQuery.extend({
  tier: z.coerce.number().int().min(0).max(10).optional(),
  // default: the city-wide defense level's number of moves (3 at the everyday level 4)
  max: z.coerce.number().int().min(1).max(20).optional(),
});

@Controller('api/v1/coverage')
export class CoverageController {
  constructor(private readonly coverage: CoverageService) {}

  @Access({ scope: 'none' })
  @Get()
  @ApiRoute({
    summary:
      'Ring coverage from every available unit: road km and area within each tier, per district, blind spots',
    query: coverageQuery,
    response: coverageViewSchema,
    errors: ['NOT_FOUND'],
  })
  get(@Query() query: unknown) {
    return this.coverage.coverage(parseInput(coverageQuery, query).scheme);
  }

  @Access({ scope: 'none' })
  @Get('move-ups')
  @ApiRoute({
    summary: 'Which available unit should move to which standby point to cover the most',
    query: moveUpsQuery,
    response: z.array(moveUpSchema),
    errors: ['NOT_FOUND'],
  })
  moveUps(@Query() query: unknown) {
    const q = parseInput(moveUpsQuery, query);
    return this.coverage.moveUps(q.scheme, q.tier, q.max);
  }
}
