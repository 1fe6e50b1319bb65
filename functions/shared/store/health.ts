import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { tableName } from './table.js';

/** True when the table answers a read; what a health check needs to know about the store. */
export async function tableReachable(): Promise<boolean> {
  try {
    await documents.send(new GetCommand({ TableName: tableName(), Key: { PK: 'HEALTH', SK: 'HEALTH' } }));
    return true;
  } catch {
    return false;
  }
}
