<?xml version="1.0" encoding="UTF-8"?>
<!-- pipe: read frames from stdin and apply them (see README.md) -->
<dmhs>
  <base>
    <siteid>11</siteid>
    <mgr_port>5445</mgr_port>
  </base>
  <exec>
    <recv>
      <stdio>1</stdio>
    </recv>
    <db_type>PG</db_type>
    <db_server>127.0.0.1</db_server>
    <db_user>apply</db_user>
    <db_pwd>change-me</db_pwd>
    <db_name>app</db_name>
  </exec>
</dmhs>
