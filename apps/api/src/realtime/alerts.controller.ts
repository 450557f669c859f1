import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ConsoleSyncService, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly sync: ConsoleSyncService) {}

  @Access({ scope: 'filtered' })
  @Get()
  open(@CurrentPrincipal() by: Principal) {
    return this.sync.openAlerts(by);
  }

  @Access({ roles: ['dispatcher', 'commander'], scope: 'alert:param:id' })
  @Post(':id/ack')
  @HttpCode(200)
  acknowledge(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.sync.acknowledgeAlert(id, by);
  }
}
