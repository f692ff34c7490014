import { IsString } from 'class-validator';

/** One rejected field: its path in the request (`match.method`, `limit`) and why. */
export class FieldErrorView {
  @IsString()
  path!: string;

  @IsString()
  message!: string;
}
