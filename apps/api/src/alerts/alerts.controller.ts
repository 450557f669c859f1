import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { AlertsService, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import { alertViewSchema } from '@ringcad/contracts';
import { z } from 'zod';

@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Access({ scope: 'filtered' })
  @Get()
  @ApiRoute({ summary: 'Open (unacknowledged) alerts', response: z.array(alertViewSchema) })
  open(@CurrentPrincipal() by: Principal) {
    return this.alerts.openAlerts(by);
  }

  @Access({ roles: ['dispatcher', 'commander'], scope: 'alert:param:id' })
  @Post(':id/ack')
  @HttpCode(200)
  @ApiRoute({ summary: 'Acknowledge an alert', response: alertViewSchema })
  acknowledge(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.alerts.acknowledgeAlert(id, by);
  }
}
