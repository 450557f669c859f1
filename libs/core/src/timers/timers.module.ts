import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime';
import { AlertsModule } from '../alerts';
import { TimersService } from './timers.service';
import { SchemesModule } from '../schemes';

/** Response-time timers on BullMQ (ack overdue, ring tiers) and the alerts they raise. */
@Module({
  imports: [RealtimeModule, AlertsModule, SchemesModule],
  providers: [TimersService],
  exports: [TimersService],
})
export class TimersModule {}
