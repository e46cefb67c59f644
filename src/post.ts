import { post } from './cleanup.ts';

await post();
