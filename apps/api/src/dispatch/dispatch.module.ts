import { Module } from '@nestjs/common';
import { RingsController } from './rings.controller';

/** The ring schemes the console draws and dispatch is measured against. */
@Module({
  controllers: [RingsController],
})
export class DispatchApiModule {}
