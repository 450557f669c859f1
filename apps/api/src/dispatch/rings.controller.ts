import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  adminRingSchemeViewSchema,
  createRingSchemeSchema,
  schemeIdSchema,
  updateRingSchemeSchema,
} from '@ringcad/contracts';
import { parseInput, RingSchemesService, type Principal } from '@ringcad/core';
import { z } from 'zod';
import { ApiRoute } from '../common/api-route';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { schemaParam } from '../common/params';

const schemeParam = schemaParam(schemeIdSchema);

@Controller('api/v1/rings')
export class RingsController {
  constructor(private readonly schemes: RingSchemesService) {}

  @Access({ scope: 'none' })
  @Get('schemes')
  @ApiRoute({
    summary: "Ring schemes (处置圈): the built-ins and admins' own, tiers in seconds",
    response: z.array(adminRingSchemeViewSchema),
  })
  list() {
    return this.schemes.list();
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('schemes')
  @ApiRoute({
    summary: 'Add a ring scheme (tiers in seconds, positive and strictly ascending)',
    body: createRingSchemeSchema,
    response: adminRingSchemeViewSchema,
    errors: ['CONFLICT'],
  })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.schemes.create(parseInput(createRingSchemeSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Put('schemes/:id')
  @ApiRoute({
    summary: "Replace an admin's ring scheme (built-ins stay as they are)",
    body: updateRingSchemeSchema,
    response: adminRingSchemeViewSchema,
    errors: ['BUILTIN'],
  })
  update(
    @Param('id', schemeParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.schemes.update(id, parseInput(updateRingSchemeSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('schemes/:id')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete a ring scheme no jurisdiction, plan or incident uses',
    response: null,
    errors: ['BUILTIN', 'IN_USE'],
  })
  remove(@Param('id', schemeParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.schemes.remove(id, by);
  }
}
