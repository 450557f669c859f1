import { Module } from '@nestjs/common';
import {
  AuthModule,
  ConsoleSyncModule,
  DispatchModule,
  FleetModule,
  IncidentsModule,
  MessagesModule,
  RealtimeModule,
  SafetyModule,
} from '@ringcad/core';
import { RealtimeGateway } from './realtime.gateway';

/** socket.io for consoles and unit terminals. */
@Module({
  imports: [
    AuthModule,
    RealtimeModule,
    ConsoleSyncModule,
    DispatchModule,
    FleetModule,
    IncidentsModule,
    MessagesModule,
    SafetyModule,
  ],
  providers: [RealtimeGateway],
  exports: [RealtimeGateway],
})
export class RealtimeApiModule {}
