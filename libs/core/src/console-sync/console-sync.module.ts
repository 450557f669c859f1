import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts';
import { FleetModule } from '../fleet';
import { IncidentsModule } from '../incidents';
import { ConsoleSyncService } from './console-sync.service';

/** The snapshot a console gets on every (re)connect. */
@Module({
  imports: [AlertsModule, FleetModule, IncidentsModule],
  providers: [ConsoleSyncService],
  exports: [ConsoleSyncService],
})
export class ConsoleSyncModule {}
