import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { z } from 'zod';
import {
  perimeterActivateSchema,
  perimeterActivationSchema,
  perimeterReadinessSchema,
  perimeterRequestSchema,
  perimeterViewSchema,
} from '@ringcad/contracts';
import { parseInput, PerimetersService, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';

/**
 * 环城封控圈: standing perimeters of fixed checkpoints (admins configure them), their live
 * readiness (dispatchers and commanders), and the one-action activation with its recall.
 */
@Controller('api/v1/perimeters')
export class PerimetersController {
  constructor(private readonly perimeters: PerimetersService) {}

  @Access({ roles: ['dispatcher', 'commander', 'admin'], scope: 'filtered' })
  @Get()
  @ApiRoute({
    summary: 'Standing perimeters (环城封控圈) in your scope',
    response: z.array(perimeterViewSchema),
  })
  list(@CurrentPrincipal() by: Principal) {
    return this.perimeters.list(by);
  }

  @Access({ roles: ['admin'], scope: 'jurisdiction:body' })
  @Post()
  @ApiRoute({
    summary: 'Create a standing perimeter: a named ring of checkpoints, its tiers and targets',
    body: perimeterRequestSchema,
    response: perimeterViewSchema,
  })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.perimeters.create(parseInput(perimeterRequestSchema, body), by);
  }

  @Access({ roles: ['dispatcher', 'commander', 'admin'], scope: 'perimeter:param:id' })
  @Get(':id')
  @ApiRoute({ summary: 'A standing perimeter', response: perimeterViewSchema })
  get(@Param('id', uuidParam) id: string) {
    return this.perimeters.get(id);
  }

  @Access({ roles: ['admin'], scope: ['perimeter:param:id', 'jurisdiction:body'] })
  @Put(':id')
  @ApiRoute({
    summary: 'Replace a standing perimeter (name, jurisdiction, checkpoints, tiers, targets)',
    body: perimeterRequestSchema,
    response: perimeterViewSchema,
  })
  update(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.perimeters.update(id, parseInput(perimeterRequestSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'perimeter:param:id' })
  @Delete(':id')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete a standing perimeter (409 while activated)',
    response: null,
    errors: ['CONFLICT'],
  })
  remove(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.perimeters.remove(id, by);
  }

  @Access({ roles: ['dispatcher', 'commander'], scope: 'perimeter:param:id' })
  @Get(':id/readiness')
  @ApiRoute({
    summary:
      'Live readiness: per tier, who would man each checkpoint, the ETA, and the coverable share',
    response: perimeterReadinessSchema,
    errors: ['UNAVAILABLE'],
  })
  readiness(@Param('id', uuidParam) id: string) {
    return this.perimeters.readiness(id);
  }

  @Access({ roles: ['dispatcher', 'commander'], scope: 'perimeter:param:id' })
  @Post(':id/activate')
  @ApiRoute({
    summary:
      'Activate: the best unit to each checkpoint as checkpoint tasks of the incident (count confirmed)',
    body: perimeterActivateSchema,
    response: perimeterActivationSchema,
    errors: ['CONFLICT', 'UNIT_UNAVAILABLE', 'INCIDENT_CLOSED', 'OUT_OF_SCOPE'],
  })
  activate(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.perimeters.activate(id, parseInput(perimeterActivateSchema, body), by);
  }

  @Access({ roles: ['dispatcher', 'commander'], scope: 'perimeter-activation:param:id' })
  @Post('activations/:id/recall')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Recall every unit an activation sent (their tasks are withdrawn)',
    response: perimeterActivationSchema,
    errors: ['CONFLICT'],
  })
  recall(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.perimeters.recall(id, by);
  }
}
