import { Module } from '@nestjs/common';
import { ImportsModule } from '@ringcad/core';
import { ImportsController } from './imports.controller';

/** Bulk imports of the admin seat. */
@Module({
  imports: [ImportsModule],
  controllers: [ImportsController],
})
export class ImportsApiModule {}
