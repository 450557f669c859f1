import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  createUnitSchema,
  parsePositionsBatchFast,
  positionsBatchSchema,
  setUnitStatusSchema,
  updateUnitSchema,
} from '@ringcad/contracts';
import { UnitsService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import { createdUnitSchema, positionsAcceptedSchema, unitViewSchema } from '@ringcad/contracts';
import { z } from 'zod';

@Controller('api/v1/units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Access({ roles: ['admin'], scope: 'city' })
  @Post()
  @ApiRoute({
    summary: 'Create a unit; its terminal token is shown once',
    body: createUnitSchema,
    response: createdUnitSchema,
    errors: ['CONFLICT', 'NOT_FOUND'],
  })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.units.create(parseInput(createUnitSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Patch(':id')
  @ApiRoute({
    summary: "Change a unit's callsign, kind or station",
    body: updateUnitSchema,
    response: unitViewSchema,
    errors: ['CONFLICT'],
  })
  update(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.units.update(id, parseInput(updateUnitSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get()
  @ApiRoute({
    summary: 'Units with their status and last position',
    response: z.array(unitViewSchema),
  })
  list() {
    return this.units.list();
  }

  @Access({ roles: ['admin'], terminal: true, scope: 'units:body' })
  @Post('positions')
  @HttpCode(202)
  @ApiRoute({
    summary: 'AVL positions (up to 5,000), answered once durable',
    body: positionsBatchSchema,
    response: positionsAcceptedSchema,
    errors: ['NOT_FOUND'],
  })
  positions(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    // the fast check takes well-formed batches; anything else gets the schema's precise 400
    const positions =
      parsePositionsBatchFast(body) ?? parseInput(positionsBatchSchema, body).positions;
    return this.units.ingestPositions(positions, by);
  }

  @Access({ roles: ['dispatcher', 'admin'], terminal: true, scope: 'unit:param:id' })
  @Post(':id/status')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Set a unit available, off duty or out of service',
    body: setUnitStatusSchema,
    response: unitViewSchema,
    errors: ['CONFLICT'],
  })
  setStatus(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.units.setStatus(id, parseInput(setUnitStatusSchema, body).status, by);
  }
}
