import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime';
import { AlertsModule } from '../alerts';
import { TimersService } from './timers.service';

/** Response-time timers on BullMQ (ack overdue, ring tiers) and the alerts they raise. */
@Module({
  imports: [RealtimeModule, AlertsModule],
  providers: [TimersService],
  exports: [TimersService],
})
export class TimersModule {}
