import { Module } from '@nestjs/common';
import { RealtimePublisher } from './realtime';

/** The one RealtimePublisher: every feature pushes its news to the consoles through it. */
@Module({
  providers: [RealtimePublisher],
  exports: [RealtimePublisher],
})
export class RealtimeModule {}
