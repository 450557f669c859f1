import { Body, Controller, Get, Post } from '@nestjs/common';
import { createJurisdictionSchema, createPlaceSchema } from '@ringcad/contracts';
import { PlacesService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';

@Controller('api/v1')
export class PlacesController {
  constructor(private readonly places: PlacesService) {}

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('jurisdictions')
  createJurisdiction(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.places.createJurisdiction(parseInput(createJurisdictionSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get('jurisdictions')
  listJurisdictions() {
    return this.places.listJurisdictions();
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('checkpoints')
  createCheckpoint(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.places.createPlace('checkpoints', parseInput(createPlaceSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get('checkpoints')
  listCheckpoints() {
    return this.places.listPlaces('checkpoints');
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('standby-points')
  createStandbyPoint(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.places.createPlace('standby_points', parseInput(createPlaceSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get('standby-points')
  listStandbyPoints() {
    return this.places.listPlaces('standby_points');
  }
}
