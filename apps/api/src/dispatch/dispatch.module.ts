import { Module } from '@nestjs/common';
import { SchemesModule } from '@ringcad/core';
import { RingsController } from './rings.controller';

/** The ring schemes the console draws and dispatch is measured against; admins add their own. */
@Module({
  imports: [SchemesModule],
  controllers: [RingsController],
})
export class DispatchApiModule {}
