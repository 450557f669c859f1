import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ConsoleSyncService, TimersService, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly timers: TimersService,
    private readonly sync: ConsoleSyncService,
  ) {}

  @Get()
  open() {
    return this.timers.listOpenAlerts();
  }

  @Access({ roles: ['dispatcher', 'commander'] })
  @Post(':id/ack')
  @HttpCode(200)
  acknowledge(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.sync.acknowledgeAlert(id, by);
  }
}
