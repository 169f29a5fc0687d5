<?xml version="1.0" encoding="UTF-8"?>
<!-- air-gap, source side: TCP in, segment files out (the gateway copies gap-out to gap-in) -->
<dmhs>
  <base>
    <lang>en</lang>
    <mgr_port>5545</mgr_port>
    <ckpt_interval>60</ckpt_interval>
    <siteid>6</siteid>
    <version>2.0</version>
  </base>
  <transfer>
    <recv>
      <mgr_port>5545</mgr_port>
      <data_port>5546</data_port>
    </recv>
    <!-- segment files the gateway appliance carries across -->
    <send>
      <file_path>/tmp/synctl-example/gap-out</file_path>
      <file_size>64</file_size>
      <file_time>5</file_time>
    </send>
  </transfer>
</dmhs>
