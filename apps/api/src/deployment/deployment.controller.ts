import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  confirmDeploymentPlanSchema,
  createDeploymentPlanSchema,
  deploymentPlanViewSchema,
  hotspotsQuerySchema,
  hotspotsViewSchema,
  terminalPostsSchema,
} from '@ringcad/contracts';
import { DeploymentService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { uuidParam } from '../common/params';

/** 等级化部署: where incidents happen (hotspots) and where units should stand for a shift. */
@Controller('api/v1')
export class DeploymentController {
  constructor(private readonly deployment: DeploymentService) {}

  @Access({ roles: ['commander', 'dispatcher'], scope: 'jurisdiction:query' })
  @Get('analysis/hotspots')
  @ApiRoute({
    summary: 'Incident hotspots: kernel density on hexagons (method and bandwidth stated)',
    query: hotspotsQuerySchema,
    response: hotspotsViewSchema,
  })
  hotspots(@Query() query: unknown) {
    return this.deployment.hotspots(parseInput(hotspotsQuerySchema, query));
  }

  @Access({ roles: ['commander'], scope: ['jurisdiction:body', 'units:body'] })
  @Post('deployment-plans')
  @ApiRoute({
    summary:
      'Propose a shift deployment: a standby point per unit maximising demand-weighted ring coverage',
    body: createDeploymentPlanSchema,
    response: deploymentPlanViewSchema,
    errors: ['UNIT_UNAVAILABLE', 'CONFLICT', 'NOT_FOUND', 'UNAVAILABLE'],
  })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.deployment.create(parseInput(createDeploymentPlanSchema, body), by);
  }

  @Access({ roles: ['commander', 'dispatcher'], scope: 'deployment-plan:param:id' })
  @Get('deployment-plans/:id')
  @ApiRoute({ summary: 'A deployment plan with its posts', response: deploymentPlanViewSchema })
  get(@Param('id', uuidParam) id: string) {
    return this.deployment.get(id);
  }

  @Access({ roles: ['commander'], scope: 'deployment-plan:param:id' })
  @Post('deployment-plans/:id/confirm')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Confirm a plan with the count shown: each unit is sent its post (post.assigned)',
    body: confirmDeploymentPlanSchema,
    response: deploymentPlanViewSchema,
    errors: ['CONFLICT'],
  })
  confirm(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.deployment.confirm(id, parseInput(confirmDeploymentPlanSchema, body).count, by);
  }

  @Access({ roles: ['commander'], scope: 'deployment-plan:param:id' })
  @Post('deployment-plans/:id/recall')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Recall a confirmed plan: every unit is told its post no longer stands',
    response: deploymentPlanViewSchema,
    errors: ['CONFLICT'],
  })
  recall(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.deployment.recall(id, by);
  }

  @Access({ terminal: true, roles: [], scope: 'filtered' })
  @Get('terminal/posts')
  @ApiRoute({
    summary: "The terminal's unit's deployment posts: confirmed plans whose shift has not ended",
    response: terminalPostsSchema,
  })
  async terminalPosts(@CurrentPrincipal() by: Principal) {
    return { posts: await this.deployment.terminalPosts(by) };
  }
}
