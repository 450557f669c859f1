import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  listMessagesQuerySchema,
  messageListSchema,
  messageReadResultSchema,
  messageSentSchema,
  sendMessageSchema,
} from '@ringcad/contracts';
import { MessagesService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { uuidParam } from '../common/params';

@Controller('api/v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Access({ roles: ['dispatcher', 'commander'], terminal: true, scope: 'message:body' })
  @Post()
  @ApiRoute({
    summary:
      '点对点: a message to units (named, of a jurisdiction, working an incident), or from a terminal to the desk',
    body: sendMessageSchema,
    response: messageSentSchema,
    errors: ['CONFLICT', 'OUT_OF_SCOPE'],
  })
  async send(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    const { message } = await this.messages.send(parseInput(sendMessageSchema, body), by);
    return { message };
  }

  @Access({ roles: ['dispatcher', 'commander'], terminal: true, scope: 'filtered' })
  @Get()
  @ApiRoute({
    summary: 'A thread: messages to and from a unit, or about an incident (a terminal: its own)',
    query: listMessagesQuerySchema,
    response: messageListSchema,
    errors: ['OUT_OF_SCOPE'],
  })
  async list(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return { messages: await this.messages.list(parseInput(listMessagesQuerySchema, query), by) };
  }

  @Access({ terminal: true, roles: [], scope: 'none' })
  @Post(':id/read')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Read receipt from the terminal the message went to',
    response: messageReadResultSchema,
  })
  read(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.messages.markRead(id, by);
  }
}
