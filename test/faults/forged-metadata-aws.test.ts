import { describeForgedMetadata } from './support/forged-metadata.js';

describeForgedMetadata('aws');
