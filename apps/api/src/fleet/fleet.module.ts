import { Module } from '@nestjs/common';
import { FleetModule, FleetSnapsKeeper, RoadsModule } from '@ringcad/core';
import { UnitsController } from './units.controller';

/**
 * Units and their position reports over HTTP; the desk's snaps of the moving fleet kept fresh
 * (services mode: reports arrive at whichever instance takes them).
 */
@Module({
  imports: [FleetModule, RoadsModule],
  controllers: [UnitsController],
  providers: [FleetSnapsKeeper],
})
export class FleetApiModule {}
