import { closeTestNodes } from './test-node.js';
import { dropCreatedDatabases } from './databases.js';

/** Mocha root hooks: after the whole run, close every test node and drop every database the run created. */
export const mochaHooks = {
  async afterAll() {
    await closeTestNodes();
    await dropCreatedDatabases();
  },
};
