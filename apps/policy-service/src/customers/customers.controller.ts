import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AssignTierDto, CustomerListView, CustomerView } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { CustomerIdPipe } from '../http/path-params';
import { REVISION_HEADER } from '../http/revision-header';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Every customer with its tier' })
  @ApiOkResponse({ type: CustomerListView })
  @ApiErrors()
  async list(): Promise<CustomerListView> {
    return { items: await this.customers.list() };
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({ type: CustomerView })
  @ApiErrors(400, 404)
  get(@Param('id', new CustomerIdPipe()) id: string): Promise<CustomerView> {
    return this.customers.get(id);
  }

  @Put(':id')
  @Roles('editor')
  @ApiOperation({ summary: "Assign a customer's tier (creates the customer if needed); the tier must exist (422 naming `tier` otherwise)" })
  @ApiOkResponse({ type: CustomerView })
  @ApiErrors(400, 422)
  async assignTier(
    @Param('id', new CustomerIdPipe()) id: string,
    @Body() input: AssignTierDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    const { customer, revision } = await this.customers.assignTier(actor, { id, tier: input.tier });
    void reply.header(REVISION_HEADER, String(revision));
    return customer;
  }

  @Delete(':id')
  @Roles('editor')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async remove(@Param('id', new CustomerIdPipe()) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const revision = await this.customers.remove(actor, id);
    void reply.header(REVISION_HEADER, String(revision));
  }
}
