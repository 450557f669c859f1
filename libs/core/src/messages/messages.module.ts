import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { MessagesService } from './messages.service';

/** 点对点 messages between desk and units. */
@Module({
  imports: [AuthModule, RealtimeModule, RoadsModule],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
