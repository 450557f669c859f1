import { Module } from '@nestjs/common';
import { AlertsModule } from '@ringcad/core';
import { AlertsController } from './alerts.controller';

/** Listing and acknowledging alerts. */
@Module({
  imports: [AlertsModule],
  controllers: [AlertsController],
})
export class AlertsApiModule {}
