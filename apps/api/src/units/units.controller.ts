import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { createUnitSchema, parsePositionsBatchFast, positionsBatchSchema, setUnitStatusSchema } from '@ringcad/contracts';
import { UnitsService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

@Controller('api/v1/units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Access({ roles: ['admin'], scope: 'city' })
  @Post()
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.units.create(parseInput(createUnitSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get()
  list() {
    return this.units.list();
  }

  @Access({ roles: ['admin'], terminal: true, scope: 'units:body' })
  @Post('positions')
  @HttpCode(202)
  positions(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    // the fast check takes well-formed batches; anything else gets the schema's precise 400
    const positions = parsePositionsBatchFast(body) ?? parseInput(positionsBatchSchema, body).positions;
    return this.units.ingestPositions(positions, by);
  }

  @Access({ roles: ['dispatcher', 'admin'], terminal: true, scope: 'unit:param:id' })
  @Post(':id/status')
  @HttpCode(200)
  setStatus(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.units.setStatus(id, parseInput(setUnitStatusSchema, body).status, by);
  }
}

