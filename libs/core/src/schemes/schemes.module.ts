import { Module } from '@nestjs/common';
import { RingSchemesService } from './ring-schemes.service';

/** Ring schemes as data: the built-ins and admins' own. */
@Module({
  providers: [RingSchemesService],
  exports: [RingSchemesService],
})
export class SchemesModule {}
