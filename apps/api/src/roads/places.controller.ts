import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  createJurisdictionSchema,
  createPlaceSchema,
  updateJurisdictionSchema,
  updatePlaceSchema,
} from '@ringcad/contracts';
import { uuidParam } from '../common/params';
import { PlacesService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import {
  jurisdictionCollectionSchema,
  jurisdictionViewSchema,
  placeViewSchema,
} from '@ringcad/contracts';
import { z } from 'zod';

@Controller('api/v1')
export class PlacesController {
  constructor(private readonly places: PlacesService) {}

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('jurisdictions')
  @ApiRoute({
    summary: 'Create a district, station or grid',
    body: createJurisdictionSchema,
    response: jurisdictionViewSchema,
    errors: ['NOT_FOUND'],
  })
  createJurisdiction(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.places.createJurisdiction(parseInput(createJurisdictionSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Patch('jurisdictions/:id')
  @ApiRoute({
    summary: 'Rename, re-parent, reshape (boundary) or re-scheme a jurisdiction',
    body: updateJurisdictionSchema,
    response: jurisdictionViewSchema,
  })
  updateJurisdiction(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.places.updateJurisdiction(id, parseInput(updateJurisdictionSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('jurisdictions/:id')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete a jurisdiction nothing references (409 IN_USE with the references otherwise)',
    response: null,
    errors: ['IN_USE'],
  })
  deleteJurisdiction(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.places.deleteJurisdiction(id, by);
  }

  @Access({ scope: 'none' })
  @Get('jurisdictions')
  @ApiRoute({
    summary: 'Jurisdictions as a GeoJSON FeatureCollection',
    response: jurisdictionCollectionSchema,
  })
  listJurisdictions() {
    return this.places.listJurisdictions();
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('checkpoints')
  @ApiRoute({
    summary: 'Create a checkpoint (卡点)',
    body: createPlaceSchema,
    response: placeViewSchema,
  })
  createCheckpoint(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.places.createPlace('checkpoints', parseInput(createPlaceSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get('checkpoints')
  @ApiRoute({ summary: 'Checkpoints', response: z.array(placeViewSchema) })
  listCheckpoints() {
    return this.places.listPlaces('checkpoints');
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('standby-points')
  @ApiRoute({
    summary: 'Create a standby point (备勤点)',
    body: createPlaceSchema,
    response: placeViewSchema,
  })
  createStandbyPoint(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.places.createPlace('standby_points', parseInput(createPlaceSchema, body), by);
  }

  @Access({ scope: 'none' })
  @Get('standby-points')
  @ApiRoute({ summary: 'Standby points', response: z.array(placeViewSchema) })
  listStandbyPoints() {
    return this.places.listPlaces('standby_points');
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Patch('checkpoints/:id')
  @ApiRoute({
    summary: 'Rename or move a checkpoint',
    body: updatePlaceSchema,
    response: placeViewSchema,
  })
  updateCheckpoints(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.places.updatePlace('checkpoints', id, parseInput(updatePlaceSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('checkpoints/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a checkpoint', response: null, errors: ['CONFLICT'] })
  deleteCheckpoints(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.places.deletePlace('checkpoints', id, by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Patch('standby-points/:id')
  @ApiRoute({
    summary: 'Rename or move a standby point',
    body: updatePlaceSchema,
    response: placeViewSchema,
  })
  updateStandbyPoints(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.places.updatePlace('standby_points', id, parseInput(updatePlaceSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('standby-points/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a standby point', response: null })
  deleteStandbyPoints(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.places.deletePlace('standby_points', id, by);
  }
}
