import { Module } from '@nestjs/common';
import { FleetModule } from '@ringcad/core';
import { UnitsController } from './units.controller';

/** Units and their position reports over HTTP. */
@Module({
  imports: [FleetModule],
  controllers: [UnitsController],
})
export class FleetApiModule {}
