import { Module } from '@nestjs/common';
import { CoverageModule } from '@ringcad/core';
import { CoverageController } from './coverage.controller';

/** Live coverage and move-up suggestions. */
@Module({
  imports: [CoverageModule],
  controllers: [CoverageController],
})
export class CoverageApiModule {}
