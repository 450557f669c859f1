import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  complianceQuerySchema,
  liveVisibilityQuerySchema,
  liveVisibilitySchema,
  patrolComplianceSchema,
  patrolPlanListSchema,
  patrolPlanSchema,
  patrolPlanViewSchema,
  terminalPatrolPlanSchema,
  uuidSchema,
  visibilityQuerySchema,
  visibilitySchema,
} from '@ringcad/contracts';
import { PatrolService, parseInput, type Principal } from '@ringcad/core';
import { z } from 'zod';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { uuidParam } from '../common/params';

const planListQuerySchema = z.object({ jurisdictionId: uuidSchema.optional() });
const VIEWERS = ['commander', 'dispatcher', 'admin'] as const;
const WRITERS = ['commander', 'admin'] as const;

/** 见警率 (police visibility) and 巡逻方案 (patrol plans, 点线面). */
@Controller('api/v1')
export class PatrolController {
  constructor(private readonly patrol: PatrolService) {}

  @Access({ roles: [...VIEWERS], scope: 'jurisdiction:query' })
  @Get('patrol/visibility')
  @ApiRoute({
    summary: '见警率: per slot and grid, the share of street-km and patrol points a unit passed',
    description:
      'Tracks map-matched to the road network (method in the answer). A street or point counts for a slot when passed within windowMin (default slotMin) before the slot ends. At most 48 h and 192 slots.',
    query: visibilityQuerySchema,
    response: visibilitySchema,
    errors: ['OUT_OF_SCOPE', 'UNAVAILABLE'],
  })
  visibility(@Query() query: unknown) {
    return this.patrol.visibility(parseInput(visibilityQuerySchema, query));
  }

  @Access({ roles: [...VIEWERS], scope: 'jurisdiction:query' })
  @Get('patrol/visibility/live')
  @ApiRoute({
    summary:
      "The live heat layer: the jurisdiction's streets passed within windowMin, with minutes since",
    query: liveVisibilityQuerySchema,
    response: liveVisibilitySchema,
    errors: ['OUT_OF_SCOPE', 'UNAVAILABLE'],
  })
  live(@Query() query: unknown) {
    return this.patrol.live(parseInput(liveVisibilityQuerySchema, query));
  }

  @Access({ roles: [...VIEWERS], scope: 'filtered' })
  @Get('patrol-plans')
  @ApiRoute({
    summary: 'Patrol plans in scope (optionally of one jurisdiction)',
    query: planListQuerySchema,
    response: patrolPlanListSchema,
  })
  async list(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    const q = parseInput(planListQuerySchema, query);
    return { plans: await this.patrol.list(by, q.jurisdictionId) };
  }

  @Access({ roles: [...VIEWERS], scope: 'patrol-plan:param:id' })
  @Get('patrol-plans/:id')
  @ApiRoute({
    summary: 'One patrol plan',
    response: patrolPlanViewSchema,
    errors: ['OUT_OF_SCOPE'],
  })
  get(@Param('id', uuidParam) id: string) {
    return this.patrol.get(id);
  }

  @Access({ roles: [...WRITERS], scope: ['jurisdiction:body', 'units:body'] })
  @Post('patrol-plans')
  @ApiRoute({
    summary: 'Create a patrol plan (点线面) for a grid and shift',
    body: patrolPlanSchema,
    response: patrolPlanViewSchema,
    errors: ['OUT_OF_SCOPE'],
  })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.patrol.create(parseInput(patrolPlanSchema, body), by);
  }

  @Access({
    roles: [...WRITERS],
    scope: ['patrol-plan:param:id', 'jurisdiction:body', 'units:body'],
  })
  @Put('patrol-plans/:id')
  @ApiRoute({
    summary: 'Replace a patrol plan',
    body: patrolPlanSchema,
    response: patrolPlanViewSchema,
    errors: ['OUT_OF_SCOPE'],
  })
  update(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.patrol.update(id, parseInput(patrolPlanSchema, body), by);
  }

  @Access({ roles: [...WRITERS], scope: 'patrol-plan:param:id' })
  @Delete('patrol-plans/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a patrol plan', response: null, errors: ['OUT_OF_SCOPE'] })
  async remove(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    await this.patrol.remove(id, by);
  }

  @Access({ roles: [...VIEWERS], scope: 'patrol-plan:param:id' })
  @Get('patrol-plans/:id/compliance')
  @ApiRoute({
    summary: "A plan's compliance from the tracks: per plan, unit and grid",
    query: complianceQuerySchema,
    response: patrolComplianceSchema,
    errors: ['OUT_OF_SCOPE', 'UNAVAILABLE'],
  })
  compliance(@Param('id', uuidParam) id: string, @Query() query: unknown) {
    return this.patrol.compliance(id, parseInput(complianceQuerySchema, query));
  }

  @Access({ terminal: true, roles: [], scope: 'filtered' })
  @Get('terminal/patrol-plan')
  @ApiRoute({
    summary: "The terminal's unit's patrol plan: the one whose shift is on, else its latest",
    response: terminalPatrolPlanSchema,
  })
  async terminalPlan(@CurrentPrincipal() by: Principal) {
    return { plan: await this.patrol.terminalPlan(by) };
  }
}
