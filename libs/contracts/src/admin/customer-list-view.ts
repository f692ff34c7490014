import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { CustomerView } from './customer-view';

/** `GET /v1/customers`, ordered by id. */
export class CustomerListView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CustomerView)
  items!: CustomerView[];
}
