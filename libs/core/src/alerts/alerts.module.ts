import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { AlertOutbox } from './alert-outbox.service';
import { AlertsService } from './alerts.service';

/** Alerts: delivered by the outbox, listed and acknowledged by AlertsService. */
@Module({
  imports: [AuthModule, RealtimeModule],
  providers: [AlertOutbox, AlertsService],
  exports: [AlertOutbox, AlertsService],
})
export class AlertsModule {}
