import { Module } from '@nestjs/common';
import { MessagesModule } from '@ringcad/core';
import { MessagesController } from './messages.controller';

@Module({ imports: [MessagesModule], controllers: [MessagesController], exports: [MessagesModule] })
export class MessagesApiModule {}
